// The office pages' place in the URL hash, so the back button and reloads work on a phone:
//   #register  #register?q=...&category=...  #register/asset/<serial>  #check  #check/<serial>  #reports
// Anything else is the operator console.

export type Route =
  | { view: "console" }
  | { view: "register"; filters: Record<string, string> }
  | { view: "asset"; serial: string }
  | { view: "check"; serial: string }
  | { view: "reports" };

const FILTER_KEYS = ["q", "category", "status", "project", "sector"] as const;

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function parseRoute(hash: string): Route {
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  const [path = "", query = ""] = text.split("?", 2);
  const parts = path.split("/").filter((p) => p !== "");
  const [head, second, third] = parts;
  if (head === "register" && second === "asset" && third !== undefined && parts.length === 3) {
    return { view: "asset", serial: decode(third) };
  }
  if (head === "register" && parts.length === 1) {
    const params = new URLSearchParams(query);
    const filters: Record<string, string> = {};
    for (const key of FILTER_KEYS) {
      const value = params.get(key);
      if (value) filters[key] = value;
    }
    return { view: "register", filters };
  }
  if (head === "check" && parts.length <= 2) return { view: "check", serial: second ? decode(second) : "" };
  if (head === "reports" && parts.length === 1) return { view: "reports" };
  return { view: "console" };
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case "console":
      return "#console";
    case "register": {
      const params = new URLSearchParams();
      for (const key of FILTER_KEYS) {
        const value = route.filters[key];
        if (value) params.set(key, value);
      }
      const query = params.toString();
      return query ? `#register?${query}` : "#register";
    }
    case "asset":
      return `#register/asset/${encodeURIComponent(route.serial)}`;
    case "check":
      return route.serial ? `#check/${encodeURIComponent(route.serial)}` : "#check";
    case "reports":
      return "#reports";
  }
}
