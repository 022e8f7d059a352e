// Fake upstream provider APIs for the end-to-end tests: real HTTP servers on 127.0.0.1 that answer
// like OpenAI and Anthropic, record what they received, and misbehave on request.

export { FAKE_ANTHROPIC_KEY, startFakeAnthropic } from "./fake-anthropic.js";
export { FAKE_OPENAI_KEY, startFakeOpenAI } from "./fake-openai.js";
export type { Behaviour, FakeOptions, FakeUpstream, RecordedRequest } from "./fake-server.js";
