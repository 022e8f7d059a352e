// Predibase errors -> canonical classes: LoRAX's `{"error", "error_type"}` bodies (text-generation/errors.ts), and the
// shared endpoints' rate limit (HTTP 429, https://docs.predibase.com/inference/deployments/shared), whose wait comes in
// `x-ratelimit-reset` (seconds) rather than `retry-after`.

import type { ErrorClassifier } from "../errors.js";
import { classifyGenerateFailure } from "../text-generation/errors.js";

/** Classifies a non-2xx `generate` or `generate_stream` response. */
export const classifyPredibaseError: ErrorClassifier = (failure) => {
  const reset = failure.headers["x-ratelimit-reset"];
  if (failure.headers["retry-after"] !== undefined || reset === undefined) return classifyGenerateFailure(failure);
  return classifyGenerateFailure({ ...failure, headers: { ...failure.headers, "retry-after": reset } });
};
