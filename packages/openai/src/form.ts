// multipart/form-data requests (audio transcriptions, image variations) as the ingress hands them to the codecs: text
// fields by name and uploaded files by name. Form values are strings, so numbers are read from their text.
import { clientFields as f } from "./fields.js";

/** An uploaded file. */
export interface FormFile {
  readonly data: Uint8Array;
  readonly filename: string;
  readonly contentType: string;
}

/** A parsed multipart/form-data body. */
export interface Form {
  readonly fields: ReadonlyMap<string, readonly string[]>;
  readonly files: ReadonlyMap<string, FormFile>;
}

/** The last value of a text field, when present. */
export function formString(form: Form, name: string): string | undefined {
  const values = form.fields.get(name);
  return values && values.length > 0 ? values[values.length - 1] : undefined;
}

/** A number field within [min, max]. */
export function formNumber(form: Form, name: string, min: number, max: number): number | undefined {
  const text = formString(form, name);
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!(value >= min && value <= max)) throw f.fail(name, `expected a number between ${min} and ${max}`);
  return value;
}

/** An integer field within [min, max]. */
export function formInteger(form: Form, name: string, min: number, max: number): number | undefined {
  const value = formNumber(form, name, min, max);
  if (value !== undefined && !Number.isInteger(value)) {
    throw f.fail(name, `expected an integer between ${min} and ${max}`);
  }
  return value;
}

/** A required, non-empty file field. */
export function formFile(form: Form, name: string): FormFile {
  const file = form.files.get(name);
  if (!file) throw f.fail(name, "required: expected a file");
  if (file.data.length === 0) throw f.fail(name, "expected a non-empty file");
  return file;
}

/** A field restricted to `allowed` values ("" when absent). */
export function formEnum(form: Form, name: string, allowed: readonly string[]): string {
  const value = formString(form, name) ?? "";
  if (value !== "" && !allowed.includes(value)) {
    throw f.fail(name, `expected one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  }
  return value;
}

/** A required non-empty text field. */
export function formRequired(form: Form, name: string): string {
  const value = formString(form, name);
  if (!value) throw f.fail(name, "required");
  return value;
}
