import { githubClient } from './client.js';
import { Redactor } from '../redaction/redactor.js';
import { errorMessage } from '../output/errors.js';

/** The GitHub REST calls deploy/rollback make: a Deployment per context environment and its statuses. */
export interface GitHubApi {
  createDeployment(p: {
    owner: string;
    repo: string;
    ref: string;
    environment: string;
    description: string;
    payload: Record<string, string | boolean>;
    production_environment?: boolean;
  }): Promise<{ id: number }>;
  createDeploymentStatus(p: {
    owner: string;
    repo: string;
    deployment_id: number;
    state: 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';
    description: string;
    environment: string;
    environment_url?: string;
    log_url?: string;
  }): Promise<void>;
}

/** GitHubApi on the one GitHub client (client.ts: @actions/github's Octokit; baseUrl from GITHUB_API_URL for GHES and tests). */
export function octokitApi(token: string, baseUrl?: string): GitHubApi {
  const gh = githubClient(token, baseUrl);
  return {
    async createDeployment(p) {
      const r = await gh.rest.repos.createDeployment({
        owner: p.owner,
        repo: p.repo,
        ref: p.ref,
        environment: p.environment,
        description: p.description.slice(0, 140),
        payload: p.payload,
        auto_merge: false,
        required_contexts: [],
        production_environment: p.production_environment,
      });
      const id = (r.data as { id?: number }).id;
      if (typeof id !== 'number') throw new Error(`GitHub did not create a deployment (HTTP ${r.status})`);
      return { id };
    },
    async createDeploymentStatus(p) {
      await gh.rest.repos.createDeploymentStatus({
        owner: p.owner,
        repo: p.repo,
        deployment_id: p.deployment_id,
        state: p.state,
        description: p.description.slice(0, 140),
        environment: p.environment,
        ...(p.environment_url ? { environment_url: p.environment_url } : {}),
        ...(p.log_url ? { log_url: p.log_url } : {}),
        auto_inactive: true,
      });
    },
  };
}

/** GitHub's limit for a deployment's and a deployment status's description. */
const DESCRIPTION_MAX = 140;

/**
 * Tracks one Deployment through its statuses; every failure is a warning, never a failed deploy.
 * Everything sent (ref, environment, description, payload, warnings) is redacted first; the
 * description is redacted, then cut to DESCRIPTION_MAX (Redactor.clip). Without a redactor, a
 * pattern-only one (nothing registered) is used.
 */
export class DeploymentTracker {
  private id: number | null = null;
  private readonly redactor: Pick<Redactor, 'redact' | 'clip'>;

  constructor(
    private readonly api: GitHubApi,
    private readonly repo: { owner: string; repo: string },
    private readonly environment: string,
    private readonly warn: (m: string) => void,
    private readonly logUrl?: string,
    redactor?: Pick<Redactor, 'redact' | 'clip'>,
  ) {
    this.redactor = redactor ?? new Redactor();
  }

  async start(ref: string, description: string, payload: Record<string, string | boolean>): Promise<void> {
    const r = this.redactor;
    try {
      const safePayload = Object.fromEntries(
        Object.entries(payload).map(([k, v]) => [r.redact(k), typeof v === 'string' ? r.redact(v) : v]),
      );
      const d = await this.api.createDeployment({
        ...this.repo,
        ref: r.redact(ref),
        environment: r.redact(this.environment),
        description: r.clip(description, DESCRIPTION_MAX),
        payload: safePayload,
      });
      this.id = d.id;
      await this.status('in_progress', description);
    } catch (e) {
      this.warn(r.redact(`GitHub deployment could not be created: ${errorMessage(e)}`));
    }
  }

  async status(
    state: 'in_progress' | 'success' | 'failure',
    description: string,
    environmentUrl?: string,
  ): Promise<void> {
    if (this.id === null) return;
    const r = this.redactor;
    try {
      await this.api.createDeploymentStatus({
        ...this.repo,
        deployment_id: this.id,
        state,
        description: r.clip(description, DESCRIPTION_MAX),
        environment: r.redact(this.environment),
        environment_url: environmentUrl === undefined ? undefined : r.redact(environmentUrl),
        log_url: this.logUrl,
      });
    } catch (e) {
      this.warn(r.redact(`GitHub deployment status ${state} could not be set: ${errorMessage(e)}`));
    }
  }
}

/** From the runner's env: owner/repo, ref, run URL. Null outside Actions. */
export function repoFromEnv(
  env: NodeJS.ProcessEnv,
): { owner: string; repo: string; ref: string; logUrl?: string } | null {
  const full = env.GITHUB_REPOSITORY ?? '';
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(full);
  if (!m) return null;
  const ref = env.GITHUB_SHA || env.GITHUB_REF || '';
  if (!ref) return null;
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const logUrl = env.GITHUB_RUN_ID ? `${server}/${full}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  return { owner: m[1] as string, repo: m[2] as string, ref, ...(logUrl ? { logUrl } : {}) };
}
