// Small building blocks of the register and report pages.
import { ApiError } from "../api";
import { h } from "../dom";
import { label } from "./text";

export type Toast = (text: string, error?: boolean) => void;

/** A labelled form control. */
export function field(text: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return h("label", { class: "rg-field" }, h("span", {}, text), control, hint ? h("small", {}, hint) : null);
}

export function select(
  attrs: Record<string, string>,
  options: readonly (readonly [string, string])[],
  value = "",
): HTMLSelectElement {
  const element = h("select", attrs);
  for (const [optionValue, text] of options) {
    const option = h("option", { value: optionValue }, text);
    if (optionValue === value) option.selected = true;
    element.append(option);
  }
  return element;
}

/** Options of an enum with its labels, after an "any" entry when `any` is given. */
export function labelled(values: readonly string[], any?: string): [string, string][] {
  return [...(any === undefined ? [] : [["", any] as [string, string]]), ...values.map((v) => [v, label(v)] as [string, string])];
}

export function statusBadge(status: string): HTMLSpanElement {
  return h("span", { class: `rg-status rg-status-${status}`, "data-status": status }, label(status));
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 404) return "not found (or outside your scope)";
    if (error.status === 403) return `not allowed: ${error.detail}`;
    if (error.status === 413) return "too large for the server";
    return error.detail;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A <dl> of label/value pairs; values that are null are left out. */
export function facts(pairs: readonly (readonly [string, Node | string | null])[]): HTMLDListElement {
  const list = h("dl", { class: "rg-facts" });
  for (const [name, value] of pairs) {
    if (value === null || value === "") continue;
    list.append(h("dt", {}, name), h("dd", {}, value));
  }
  return list;
}
