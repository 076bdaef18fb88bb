import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { basename, join } from "node:path";

/** Who is behind an access: the process, the person, the CI job. Names only, never a credential. */
export interface AuditActor {
  readonly user: string;
  readonly host: string;
  /** The program and, for the CLI, its command (`strongbox run`); never its other arguments, which can hold values. */
  readonly command: string;
  /** `user.name <user.email>` from git's config, when the work happens in a repository. */
  readonly git?: string;
  /** The CI job, from the standard variables of the CI system that runs it. */
  readonly ci?: {
    readonly system: string;
    readonly job?: string;
    readonly run?: string;
    readonly repository?: string;
    readonly actor?: string;
  };
}

/**
 * The actor of this process, from the environment Strongbox was given (not
 * the host's own): the OS user and host, the command, the git author of the
 * repository `cwd` is in, and the CI job identity (GitHub Actions, GitLab,
 * CircleCI, Buildkite, Jenkins). Computed once per process and sink.
 */
export function auditActor(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): AuditActor {
  const git = gitAuthor(cwd, env);
  const ci = ciIdentity(env);
  return {
    user: safe(() => userInfo().username) ?? `uid-${process.getuid?.() ?? "?"}`,
    host: hostname(),
    command: commandLine(),
    ...(git === undefined ? {} : { git }),
    ...(ci === undefined ? {} : { ci }),
  };
}

function commandLine(): string {
  const program = basename(process.argv[1] ?? process.argv0);
  // The CLI's first argument is its command; anything after it may be a value (`set --value`).
  const first = process.argv[2];
  return program === "main.js" || program === "strongbox"
    ? `strongbox${first !== undefined && /^[a-z][a-z-]*$/.test(first) ? ` ${first}` : ""}`
    : program;
}

function ciIdentity(env: Readonly<Record<string, string | undefined>>): AuditActor["ci"] {
  const pick = (system: string, fields: Record<string, string | undefined>) => ({
    system,
    ...Object.fromEntries(
      Object.entries(fields).filter(([, value]) => value !== undefined && value !== ""),
    ),
  });
  if (env.GITHUB_ACTIONS === "true")
    return pick("github-actions", {
      job: env.GITHUB_JOB,
      run: env.GITHUB_RUN_ID,
      repository: env.GITHUB_REPOSITORY,
      actor: env.GITHUB_ACTOR,
    });
  if (env.GITLAB_CI === "true")
    return pick("gitlab", {
      job: env.CI_JOB_ID,
      run: env.CI_PIPELINE_ID,
      repository: env.CI_PROJECT_PATH,
      actor: env.GITLAB_USER_LOGIN,
    });
  if (env.CIRCLECI === "true")
    return pick("circleci", {
      job: env.CIRCLE_JOB,
      run: env.CIRCLE_BUILD_NUM,
      repository: env.CIRCLE_PROJECT_REPONAME,
      actor: env.CIRCLE_USERNAME,
    });
  if (env.BUILDKITE === "true")
    return pick("buildkite", {
      job: env.BUILDKITE_JOB_ID,
      run: env.BUILDKITE_BUILD_NUMBER,
      repository: env.BUILDKITE_PIPELINE_SLUG,
      actor: env.BUILDKITE_BUILD_CREATOR,
    });
  if (env.JENKINS_URL !== undefined)
    return pick("jenkins", { job: env.JOB_NAME, run: env.BUILD_NUMBER });
  if (env.CI === "true") return { system: "unknown" };
  return undefined;
}

/**
 * The git author as git would record it: `GIT_AUTHOR_NAME`/`EMAIL` when set,
 * else `user.name`/`user.email` from the repository's config, then the
 * user's. Read from the files, without running git, and only inside a
 * repository.
 */
function gitAuthor(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const root = repositoryOf(cwd);
  if (root === undefined) return undefined;
  const fromFiles = [join(root, ".git", "config"), join(env.HOME ?? "", ".gitconfig")].map(gitUser);
  const name = env.GIT_AUTHOR_NAME ?? fromFiles.find((user) => user.name)?.name;
  const email = env.GIT_AUTHOR_EMAIL ?? fromFiles.find((user) => user.email)?.email;
  if (name === undefined && email === undefined) return undefined;
  return `${name ?? "?"} <${email ?? "?"}>`;
}

function repositoryOf(start: string): string | undefined {
  let dir = start;
  for (let depth = 0; depth < 64; depth++) {
    if (safe(() => readFileSync(join(dir, ".git", "HEAD"), "utf8")) !== undefined) return dir;
    const parent = join(dir, "..");
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

function gitUser(path: string): { name?: string; email?: string } {
  const text = safe(() => readFileSync(path, "utf8"));
  if (text === undefined) return {};
  const section = /\[user\]([^[]*)/i.exec(text)?.[1] ?? "";
  const field = (key: string) =>
    new RegExp(`^\\s*${key}\\s*=\\s*(.+?)\\s*$`, "im").exec(section)?.[1];
  const name = field("name");
  const email = field("email");
  return { ...(name === undefined ? {} : { name }), ...(email === undefined ? {} : { email }) };
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
