// The offline basemap: the style the node serves, or a plain dark background when it has none.
import type { StyleSpecification } from "maplibre-gl";

export const FALLBACK_STYLE: StyleSpecification = {
  version: 8,
  name: "Kordon fallback (no basemap)",
  sources: {},
  layers: [{ id: "background", type: "background", paint: { "background-color": "#151b20" } }],
};

function isStyle(value: unknown): value is StyleSpecification {
  if (value === null || typeof value !== "object") return false;
  const style = value as { version?: unknown; layers?: unknown; sources?: unknown };
  return style.version === 8 && Array.isArray(style.layers) && typeof style.sources === "object";
}

/**
 * MapLibre fetches URL sources inside a web worker, where a relative URL does not resolve
 * against the page: make every string `data`/`url`/`tiles` absolute against the page origin.
 * Also drops `glyphs`/`sprite` that point off this origin, so nothing leaves the node.
 */
export function localiseStyle(style: StyleSpecification, pageUrl: string): StyleSpecification {
  const copy = structuredClone(style);
  const origin = new URL(pageUrl).origin;
  const absolute = (u: string): string => new URL(u, pageUrl).toString();
  for (const source of Object.values(copy.sources)) {
    const s = source as { data?: unknown; url?: unknown; tiles?: unknown };
    if (typeof s.data === "string") s.data = absolute(s.data);
    if (typeof s.url === "string") s.url = absolute(s.url);
    if (Array.isArray(s.tiles)) {
      s.tiles = s.tiles.map((t: unknown) => (typeof t === "string" && t.startsWith("/") ? `${origin}${t}` : t));
    }
  }
  if (typeof copy.glyphs === "string") {
    // Keep MapLibre's {fontstack}/{range} placeholders unescaped in the absolute URL.
    const glyphs = copy.glyphs;
    if (new URL(glyphs.replace(/[{}]/g, ""), pageUrl).origin !== origin) delete copy.glyphs;
    else if (glyphs.startsWith("/")) copy.glyphs = `${origin}${glyphs}`;
  }
  if (typeof copy.sprite === "string" && new URL(copy.sprite, pageUrl).origin !== origin) delete copy.sprite;
  return copy;
}

export async function loadBasemap(fetchStyle: () => Promise<unknown>, pageUrl: string): Promise<StyleSpecification> {
  try {
    const style = await fetchStyle();
    if (isStyle(style)) return localiseStyle(style, pageUrl);
    console.warn("basemap: the served style is not a MapLibre v8 style; using the fallback");
  } catch (error) {
    console.warn("basemap: no style from the node; using the fallback", error);
  }
  return FALLBACK_STYLE;
}
