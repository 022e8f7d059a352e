import type { DescFile } from "@bufbuild/protobuf";
import { file_switchyard_gateway_v1_gateway } from "./gen/switchyard/gateway/v1/gateway_pb.js";
import { file_switchyard_llm_v1_chat } from "./gen/switchyard/llm/v1/chat_pb.js";
import { file_switchyard_llm_v1_completions } from "./gen/switchyard/llm/v1/completions_pb.js";
import { file_switchyard_llm_v1_embeddings } from "./gen/switchyard/llm/v1/embeddings_pb.js";
import { file_switchyard_llm_v1_error } from "./gen/switchyard/llm/v1/error_pb.js";
import { file_switchyard_llm_v1_media } from "./gen/switchyard/llm/v1/media_pb.js";
import { file_switchyard_llm_v1_rerank } from "./gen/switchyard/llm/v1/rerank_pb.js";
import { file_switchyard_metering_v1_metering } from "./gen/switchyard/metering/v1/metering_pb.js";
import { file_switchyard_metering_v1_usage } from "./gen/switchyard/metering/v1/usage_pb.js";
import { file_switchyard_policy_v1_admin } from "./gen/switchyard/policy/v1/admin_pb.js";
import { file_switchyard_policy_v1_audit } from "./gen/switchyard/policy/v1/audit_pb.js";
import { file_switchyard_policy_v1_policy } from "./gen/switchyard/policy/v1/policy_pb.js";
import { file_switchyard_router_v1_router } from "./gen/switchyard/router/v1/router_pb.js";
import { file_switchyard_worker_v1_worker } from "./gen/switchyard/worker/v1/worker_pb.js";

/** Every proto file of the module, for server reflection and registries. */
export const allFiles: readonly DescFile[] = [
  file_switchyard_llm_v1_chat,
  file_switchyard_llm_v1_completions,
  file_switchyard_llm_v1_embeddings,
  file_switchyard_llm_v1_error,
  file_switchyard_llm_v1_rerank,
  file_switchyard_llm_v1_media,
  file_switchyard_gateway_v1_gateway,
  file_switchyard_router_v1_router,
  file_switchyard_worker_v1_worker,
  file_switchyard_policy_v1_policy,
  file_switchyard_policy_v1_admin,
  file_switchyard_policy_v1_audit,
  file_switchyard_metering_v1_usage,
  file_switchyard_metering_v1_metering,
];
