/**
 * The servers an alerting test file talks to: the OpenAPI-checked fake GitHub API, the Slack
 * receiver and a small HTTP app to check. Started once per file; after each test every request
 * must have been valid (GitHub API, Block Kit) and the servers are reset; closed at the end.
 */
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import { startGitHubApi, type FakeGitHub } from './github-api.js';
import { startHttpApp, type HttpApp } from './http-app.js';
import { startSlackReceiver, type SlackReceiver } from './slack.js';

export interface AlertServers {
  gh: FakeGitHub;
  slack: SlackReceiver;
  app: HttpApp;
}

/** Registers the file's hooks; the returned object is filled in by the first beforeAll. */
export function useAlertServers(cleanup: () => void = () => undefined): AlertServers {
  const s = {} as AlertServers;
  beforeAll(async () => {
    s.gh = await startGitHubApi();
    s.slack = await startSlackReceiver();
    s.app = await startHttpApp();
  });
  afterEach(() => {
    expect(s.gh.violations).toEqual([]);
    expect(s.slack.violations).toEqual([]);
    s.gh.reset();
    s.slack.reset();
    s.app.status = 200;
  });
  afterAll(async () => {
    cleanup();
    await Promise.all([s.gh.close(), s.slack.close(), s.app.close()]);
  });
  return s;
}
