// The login page.
import { ApiError, type ApiClient } from "./api";
import { h } from "./dom";
import type { Session } from "./types";

export function renderLogin(root: HTMLElement, api: ApiClient, onLogin: (session: Session) => void): void {
  const username = h("input", { name: "username", autocomplete: "username", required: true, "data-testid": "login-username" });
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    "data-testid": "login-password",
  });
  const message = h("p", { class: "login-error", role: "alert", "data-testid": "login-error" });
  const submit = h("button", { type: "submit", "data-testid": "login-submit" }, "Sign in");
  const form = h(
    "form",
    { class: "login-card" },
    h("h1", {}, "KORDON"),
    h("p", { class: "sub" }, "Border surveillance · operator console"),
    h("label", {}, "Username", username),
    h("label", {}, "Password", password),
    submit,
    message,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = "";
    api
      .login(username.value.trim(), password.value)
      .then(onLogin)
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) message.textContent = "Wrong username or password.";
        else if (error instanceof ApiError && error.status === 429) message.textContent = "Too many attempts; wait and retry.";
        else message.textContent = `Cannot sign in: ${error instanceof Error ? error.message : String(error)}`;
        password.value = "";
        password.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  root.replaceChildren(h("main", { class: "login-page", "data-testid": "login-page" }, form));
  username.focus();
}
