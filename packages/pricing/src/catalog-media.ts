// List prices of audio and image models. Transcriptions are priced per second of audio (`inputSecond`), text to
// speech per million input characters (the gateway records characters as prompt tokens, so the rate is an `input`
// rate), images per image (`image`). Checked against the providers' pricing pages and LiteLLM's price map.
import { listPrice } from "./list-price.js";
import type { Price } from "./types.js";

/** OpenAI (https://platform.openai.com/docs/pricing): Whisper $0.006 / minute, TTS $15 / $30 per 1M characters,
 * DALL·E 3 $0.04 and DALL·E 2 $0.02 per standard 1024x1024 image. */
export const OPENAI_MEDIA_PRICES: Readonly<Record<string, Price>> = {
  "whisper-1": listPrice({ input: "0", output: "0", inputSecond: "0.0001" }),
  "tts-1": listPrice({ input: "15.00", output: "0" }),
  "tts-1-hd": listPrice({ input: "30.00", output: "0" }),
  "dall-e-3": listPrice({ input: "0", output: "0", image: "0.04" }),
  "dall-e-2": listPrice({ input: "0", output: "0", image: "0.02" }),
};

/** Groq's Whisper (https://groq.com/pricing): $0.111 and $0.04 per hour of audio, as LiteLLM rounds them. */
export const GROQ_MEDIA_PRICES: Readonly<Record<string, Price>> = {
  "whisper-large-v3": listPrice({ input: "0", output: "0", inputSecond: "0.00003083" }),
  "whisper-large-v3-turbo": listPrice({ input: "0", output: "0", inputSecond: "0.00001111" }),
};

/** Deepgram pre-recorded pay-as-you-go (https://deepgram.com/pricing): Nova-3 and Nova-2 $0.0043 / minute. */
export const DEEPGRAM_PRICES: Readonly<Record<string, Price>> = {
  "nova-3": listPrice({ input: "0", output: "0", inputSecond: "0.00007167" }),
  "nova-2": listPrice({ input: "0", output: "0", inputSecond: "0.00007167" }),
};

/**
 * ElevenLabs API (https://elevenlabs.io/pricing/api): Multilingual v2 $0.10 and Flash / Turbo v2.5 $0.05 per 1K
 * characters; Scribe v1 speech to text $0.40 per hour.
 */
export const ELEVENLABS_PRICES: Readonly<Record<string, Price>> = {
  eleven_multilingual_v2: listPrice({ input: "100.00", output: "0" }),
  eleven_flash_v2_5: listPrice({ input: "50.00", output: "0" }),
  eleven_turbo_v2_5: listPrice({ input: "50.00", output: "0" }),
  scribe_v1: listPrice({ input: "0", output: "0", inputSecond: "0.00011111" }),
};
