#!/usr/bin/env node
// Rewrites the provider capability table in docs/providers.md from the provider worker's registry (build first).
import { readFileSync, writeFileSync } from "node:fs";
import { withTable } from "../services/provider-worker/dist/providers/table.js";

const path = new URL("../docs/providers.md", import.meta.url);
writeFileSync(path, withTable(readFileSync(path, "utf8")));
console.log("docs/providers.md: provider table updated");
