import { type DescFile, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";

/**
 * Serves gRPC server reflection (v1 and v1alpha, so grpcurl works) for the given proto files and their
 * imports, from the descriptors protobuf-es generated: no .proto files are read at run time.
 */
export function addReflection(server: grpc.Server, files: readonly DescFile[], services: readonly string[]): void {
  const seen = new Map<string, Buffer>();
  const visit = (file: DescFile) => {
    if (seen.has(file.proto.name)) return;
    seen.set(file.proto.name, Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
    for (const dep of file.dependencies) visit(dep);
  };
  for (const file of files) visit(file);
  const fileDescriptorProtos = [...seen.values()];
  // @grpc/reflection reads `fileDescriptorProtos` from every entry of a proto-loader package definition.
  const definition = { switchyard: { fileDescriptorProtos } } as unknown as ConstructorParameters<
    typeof ReflectionService
  >[0];
  new ReflectionService(definition, { services: [...services] }).addToServer(server);
}
