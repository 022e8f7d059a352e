// The canonical LLM package (switchyard.llm.v1): chat messages, usage and error classes.
export * from "./gen/switchyard/llm/v1/chat_pb.js";
export * from "./gen/switchyard/llm/v1/error_pb.js";
