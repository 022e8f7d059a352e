// The canonical LLM package (switchyard.llm.v1): chat messages, embeddings, usage and error classes.
export * from "./gen/switchyard/llm/v1/chat_pb.js";
export * from "./gen/switchyard/llm/v1/completions_pb.js";
export * from "./gen/switchyard/llm/v1/embeddings_pb.js";
export * from "./gen/switchyard/llm/v1/error_pb.js";
export * from "./gen/switchyard/llm/v1/media_pb.js";
export * from "./gen/switchyard/llm/v1/rerank_pb.js";
