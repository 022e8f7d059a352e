// The one error type of the config loader. Messages name the file, the config path and what was expected;
// they never contain secret values.

/** One problem found in a config file: where it is and what was expected there. */
export interface ConfigIssue {
  /** The config path, e.g. `model_list[2].litellm_params.model`; empty for the whole file. */
  readonly path: string;
  /** Lowercase text saying what was expected, e.g. `expected a non-negative integer, got "abc"`. */
  readonly reason: string;
}

/** Issues beyond this many are summarised in one line so a hostile file cannot produce a huge message. */
const MAX_LISTED = 50;

/** Formats one issue as `<source>: <path>: <reason>`, leaving out the parts that are empty. */
export function formatIssue(issue: ConfigIssue, source?: string): string {
  return [source, issue.path, issue.reason].filter((part) => part !== undefined && part !== "").join(": ");
}

/** An invalid configuration; `message` lists every issue, one per line, as `<source>: <path>: <reason>`. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The file (or label) the issues were found in, when known. */
  readonly source: string | undefined;
  /** Every issue found, in file order where possible. */
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], source?: string, options?: ErrorOptions) {
    const listed = issues.slice(0, MAX_LISTED).map((issue) => formatIssue(issue, source));
    if (issues.length > MAX_LISTED) listed.push(`${source ?? "config"}: and ${issues.length - MAX_LISTED} more`);
    super(listed.join("\n"), options);
    this.source = source;
    this.issues = issues;
  }
}
