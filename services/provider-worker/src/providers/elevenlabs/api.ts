// Where and how to call ElevenLabs (https://elevenlabs.io/docs/api-reference): text to speech and speech to text.
import type { Deployment } from "@switchyard/config";

/** The public API; `api_base` (LiteLLM's `ELEVENLABS_API_BASE`) replaces it. */
export const DEFAULT_BASE_URL = "https://api.elevenlabs.io";

function base(deployment: Pick<Deployment, "apiBase">): string {
  return (deployment.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** `POST {base}/v1/text-to-speech/{voice_id}?output_format=...`. */
export function textToSpeechUrl(
  deployment: Pick<Deployment, "apiBase">,
  voiceId: string,
  outputFormat: string,
): string {
  return `${base(deployment)}/v1/text-to-speech/${encodeURIComponent(voiceId)}?output_format=${outputFormat}`;
}

/** `POST {base}/v1/speech-to-text`. */
export function speechToTextUrl(deployment: Pick<Deployment, "apiBase">): string {
  return `${base(deployment)}/v1/speech-to-text`;
}

/** ElevenLabs takes its key in `xi-api-key`. */
export function elevenlabsHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { "xi-api-key": apiKey } : {};
}
