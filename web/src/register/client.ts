// Typed calls of the register and report APIs, on the app's client (session cookie, CSRF).
import type { ApiClient } from "../api";
import type {
  Asset,
  AssetDetail,
  AssetPage,
  AssetQuery,
  Check,
  CheckBody,
  CorrectionBody,
  Delivery,
  DeployBody,
  ImportResult,
  Project,
  Report,
  ReportBody,
  SettableStatus,
  Transfer,
  Uptime,
} from "./types";

const enc = encodeURIComponent;

export class RegisterApi {
  constructor(readonly api: ApiClient) {}

  projects(): Promise<Project[]> {
    return this.api.send<Project[]>("GET", "/api/register/projects");
  }

  assets(query: AssetQuery): Promise<AssetPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== "") params.set(key, String(value));
    }
    return this.api.send<AssetPage>("GET", `/api/register/assets?${params.toString()}`);
  }

  asset(serial: string): Promise<AssetDetail> {
    return this.api.send<AssetDetail>("GET", `/api/register/assets/${enc(serial)}`);
  }

  uptime(serial: string): Promise<Uptime> {
    return this.api.send<Uptime>("GET", `/api/register/assets/${enc(serial)}/uptime`);
  }

  setStatus(serial: string, status: SettableStatus, report: string | null): Promise<Asset> {
    return this.api.send<Asset>("POST", `/api/register/assets/${enc(serial)}/status`, { status, report });
  }

  transfer(serials: string[], toPerson: string | null): Promise<Transfer[]> {
    return this.api.send<Transfer[]>("POST", "/api/register/transfers", { serials, to_person: toPerson });
  }

  confirm(transferId: string, party: "from" | "to", personId: string | null): Promise<Transfer> {
    return this.api.send<Transfer>("POST", `/api/register/transfers/${enc(transferId)}/confirm`, {
      party,
      person_id: personId,
    });
  }

  deploy(serial: string, body: DeployBody): Promise<Asset> {
    return this.api.send<Asset>("POST", `/api/register/assets/${enc(serial)}/deploy`, body);
  }

  correct(serial: string, body: CorrectionBody): Promise<Asset> {
    return this.api.send<Asset>("POST", `/api/register/assets/${enc(serial)}/corrections`, body);
  }

  delivery(serial: string): Promise<Delivery> {
    return this.api.send<Delivery>("GET", `/api/register/assets/${enc(serial)}/delivery`);
  }

  attachDocument(serial: string, fileName: string, contentBase64: string): Promise<Delivery> {
    return this.api.send<Delivery>("POST", `/api/register/assets/${enc(serial)}/documents`, {
      file_name: fileName,
      content_base64: contentBase64,
    });
  }

  importFile(fileName: string, contentBase64: string): Promise<ImportResult> {
    return this.api.send<ImportResult>("POST", "/api/register/imports", {
      file_name: fileName,
      content_base64: contentBase64,
    });
  }

  check(serial: string, body: CheckBody): Promise<Check> {
    return this.api.send<Check>("POST", `/api/register/assets/${enc(serial)}/checks`, body);
  }

  makeReport(body: ReportBody): Promise<Report> {
    return this.api.send<Report>("POST", "/api/reports", body);
  }

  sectors(): Promise<{ id: string; name: string }[]> {
    return this.api
      .layer("sectors")
      .then((layer) =>
        layer.features.map((f) => {
          const props = f.properties;
          const id = typeof props.id === "string" ? props.id : f.id === undefined ? "" : String(f.id);
          return { id, name: typeof props.name === "string" ? props.name : id };
        }),
      )
      .then((list) => list.filter((s) => s.id !== ""));
  }

  labelsUrl(project: string): string {
    return this.api.url(`/api/register/labels.html${project ? `?project=${enc(project)}` : ""}`);
  }

  exportUrl(project: string): string {
    return this.api.url(`/api/register/export.csv${project ? `?project=${enc(project)}` : ""}`);
  }

  url(path: string): string {
    return this.api.url(path);
  }
}
