// Entry point: show the console when a session exists, the login page otherwise.
import { ApiClient, ApiError } from "./api";
import { Console } from "./app";
import { renderLogin } from "./login";
import "./style.css";
import type { Session } from "./types";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");

let current: Console | null = null;

function showLogin(): void {
  current?.stop();
  current = null;
  renderLogin(root!, api, (session) => void showConsole(session));
}

async function showConsole(session: Session): Promise<void> {
  current?.stop();
  current = new Console(root!, api, showLogin);
  await current.start(session);
}

// Any 401 (expired or revoked session) returns to the login page.
const api: ApiClient = new ApiClient(() => {
  if (current) showLogin();
});

api
  .me()
  .then((session) => showConsole(session))
  .catch((error: unknown) => {
    if (!(error instanceof ApiError && error.status === 401)) console.warn("session check failed", error);
    showLogin();
  });
