// The office views beside the operator console: the equipment register, the end-use check
// and the reports. Their place is the URL hash (route.ts); the console's top bar gets a
// button per view the role allows. Roles without the console (logistics, donor auditor) get
// these views alone, in a shell of their own (`renderOffice`). A view the server does not
// serve (no register or reports at the central server: Features) gets no button and no request.
import type { ApiClient } from "../api";
import { h } from "../dom";
import { ReportsPage } from "../reports";
import type { Features } from "../features";
import type { Session } from "../types";
import { can, reportKinds, seesConsole, seesRegister, type Account } from "./access";
import { AssetPage } from "./asset";
import { CheckForm } from "./check";
import { RegisterApi } from "./client";
import { registerTools } from "./forms";
import { RegisterList } from "./list";
import { parseRoute, routeHash, type Route } from "./route";
import "./register.css";

type View = "console" | "register" | "reports";

export class Office {
  readonly nav = h("nav", { class: "rg-nav", "data-testid": "office-nav" });
  readonly page = h("div", { class: "rg-office", hidden: true, "data-testid": "office" });
  private readonly toastBox = h("div", { class: "toast", role: "status", "data-testid": "office-toast" });
  private readonly api: RegisterApi;
  private readonly buttons = new Map<View, HTMLButtonElement>();
  private readonly list: RegisterList | null = null;
  private readonly asset: AssetPage | null = null;
  private readonly checkForm: CheckForm | null = null;
  private readonly reports: ReportsPage | null = null;
  private readonly onHash = (): void => this.route(parseRoute(window.location.hash));
  private readonly onKey = (event: KeyboardEvent): void => {
    // the console's single-key shortcuts must not act on an incident hidden under a page
    if (!this.page.hidden) event.stopImmediatePropagation();
  };
  private lastRegister: Route = { view: "register", filters: {} };

  constructor(
    client: ApiClient,
    account: Account,
    private readonly hasConsole: boolean,
    features: Features,
  ) {
    this.api = new RegisterApi(client);
    const toast = (text: string, error = false): void => this.toast(text, error);
    const go = (route: Route): void => this.go(route);
    if (seesRegister(account) && features.has("register")) {
      const checks = can(account, "register_check");
      const tools = can(account, "register_edit")
        ? registerTools(this.api, () => this.list?.reload(), toast)
        : null;
      this.list = new RegisterList(this.api, {
        asset: (serial) => go({ view: "asset", serial }),
        filters: (filters) => go({ view: "register", filters }),
        check: () => go({ view: "check", serial: "" }),
      }, checks, tools);
      const back = (): void => this.go(this.lastRegister);
      this.asset = new AssetPage(this.api, { edit: can(account, "register_edit"), check: checks }, {
        back,
        check: (serial) => go({ view: "check", serial }),
      }, toast);
      if (checks) {
        this.checkForm = new CheckForm(this.api, toast, (serial) => go({ view: "asset", serial }), (serial) =>
          serial ? go({ view: "asset", serial }) : back(),
        );
      }
    }
    if (reportKinds(account).length > 0 && features.has("reports")) this.reports = new ReportsPage(this.api, account, toast);
    const views: [View, string, boolean][] = [
      ["console", "Console", hasConsole],
      ["register", "Register", this.list !== null],
      ["reports", "Reports", this.reports !== null],
    ];
    // a single view has nothing to switch to: no button (the console alone, at the central)
    const shownViews = views.filter(([, , shown]) => shown);
    for (const [view, text] of shownViews.length > 1 ? shownViews : []) {
      const button = h("button", { type: "button", "data-testid": `view-${view}` }, text);
      button.addEventListener("click", () => this.go(view === "register" ? this.lastRegister : { view }));
      this.buttons.set(view, button);
      this.nav.append(button);
    }
    this.page.append(
      ...[this.list, this.asset, this.checkForm, this.reports].filter((p) => p !== null).map((p) => p.element),
      this.toastBox,
    );
  }

  /** Whether there is any office view for this user (else the nav stays empty). */
  get any(): boolean {
    return this.list !== null || this.reports !== null;
  }

  start(): void {
    void this.list?.mount();
    window.addEventListener("hashchange", this.onHash);
    window.addEventListener("keydown", this.onKey, true);
    this.onHash();
  }

  stop(): void {
    window.removeEventListener("hashchange", this.onHash);
    window.removeEventListener("keydown", this.onKey, true);
    this.checkForm?.hide();
  }

  /** Back to the operator console (an alert was opened while a page covered it). */
  showConsole(): void {
    if (this.hasConsole && !this.page.hidden) this.go({ view: "console" });
  }

  private go(route: Route): void {
    const hash = routeHash(route);
    if (window.location.hash === hash) this.route(route);
    else window.location.hash = hash;
  }

  private fallback(): Route {
    if (this.hasConsole) return { view: "console" };
    if (this.list) return { view: "register", filters: {} };
    return { view: "reports" };
  }

  private route(wanted: Route): void {
    let route = wanted;
    const allowed =
      route.view === "console"
        ? this.hasConsole
        : route.view === "reports"
          ? this.reports !== null
          : route.view === "check"
            ? this.checkForm !== null
            : this.list !== null;
    if (!allowed) route = this.fallback();
    if (route.view === "register") this.lastRegister = route;
    const pages: [HTMLElement | undefined, boolean][] = [
      [this.list?.element, route.view === "register"],
      [this.asset?.element, route.view === "asset"],
      [this.checkForm?.element, route.view === "check"],
      [this.reports?.element, route.view === "reports"],
    ];
    for (const [element, shown] of pages) if (element) element.hidden = !shown;
    this.page.hidden = route.view === "console";
    const active: View = route.view === "console" ? "console" : route.view === "reports" ? "reports" : "register";
    for (const [view, button] of this.buttons) button.classList.toggle("active", view === active);
    if (route.view !== "check") this.checkForm?.hide();
    switch (route.view) {
      case "register":
        this.list?.show(route.filters);
        break;
      case "asset":
        this.asset?.show(route.serial);
        break;
      case "check":
        this.checkForm?.show(route.serial);
        break;
      case "reports":
        void this.reports?.mount();
        break;
      case "console":
        break;
    }
    if (route.view !== "console") this.page.scrollTop = 0;
  }

  private toast(text: string, error: boolean): void {
    this.toastBox.textContent = text;
    this.toastBox.className = `toast show${error ? " error" : ""}`;
    window.setTimeout(() => {
      if (this.toastBox.textContent === text) this.toastBox.className = "toast";
    }, 4000);
  }
}

/** Whether this user gets the operator console (map, incidents); if not, `renderOffice`. */
export function consoleFor(session: Session): boolean {
  return seesConsole(session.user);
}

/** The office views alone, for roles without the operator console. */
export function renderOffice(
  root: HTMLElement,
  client: ApiClient,
  session: Session,
  features: Features,
  onLogout: () => void,
): Office {
  const office = new Office(client, session.user, false, features);
  const logout = h("button", { type: "button", class: "link", "data-testid": "logout" }, "Sign out");
  logout.addEventListener("click", () => {
    void client
      .logout()
      .catch(() => undefined)
      .finally(() => onLogout());
  });
  const header = h(
    "header",
    { class: "topbar rg-topbar" },
    h("span", { class: "brand" }, "KORDON"),
    office.nav,
    h("span", { class: "spacer" }),
    h("span", { class: "user" }, `${session.user.username} · ${session.user.role}`),
    logout,
  );
  office.page.hidden = false;
  root.replaceChildren(
    h(
      "div",
      { class: "rg-shell", "data-testid": "office-shell" },
      header,
      office.any ? office.page : h("p", { class: "empty" }, "Your role has no pages here."),
    ),
  );
  office.start();
  return office;
}
