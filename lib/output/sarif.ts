/**
 * SARIF 2.1.0 (GitHub code scanning) for every operation that reports findings on files: doctor
 * and db_bootstrap's lint build their rules and results, this writes the log around them.
 */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

interface SarifLogSpec {
  name: string;
  version: string;
  /** `automationDetails.id`: one category per tool, so uploads do not replace each other's alerts */
  automationId: string;
  rules: unknown[];
  results: unknown[];
  notifications?: unknown[];
  /** the checked tree: `%SRCROOT%` of the artifact URIs */
  srcRoot?: string | null;
}

export function sarifLog(s: SarifLogSpec): Record<string, unknown> {
  const run: Record<string, unknown> = {
    tool: { driver: { name: s.name, version: s.version, semanticVersion: s.version, rules: s.rules } },
    automationDetails: { id: s.automationId },
    invocations: [{ executionSuccessful: true, toolExecutionNotifications: s.notifications ?? [] }],
    results: s.results,
    columnKind: 'unicodeCodePoints',
  };
  if (s.srcRoot)
    run.originalUriBaseIds = {
      '%SRCROOT%': { uri: `file://${encodeURI(s.srcRoot.endsWith('/') ? s.srcRoot : s.srcRoot + '/')}` },
    };
  return { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
}
