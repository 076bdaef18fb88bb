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
  // The npm package's launcher, or the single executable.
  return program === "strongbox.cjs" || program === "strongbox"
    ? `strongbox${first !== undefined && /^[a-z][a-z-]*$/.test(first) ? ` ${first}` : ""}`
    : program;
}

/** The CI systems recognised: the variable that says "this is it", and where its job's names are. */
const CI_SYSTEMS: ReadonlyArray<{
  readonly system: string;
  readonly when: (env: Readonly<Record<string, string | undefined>>) => boolean;
  readonly fields: Readonly<Record<"job" | "run" | "repository" | "actor", string | undefined>>;
}> = [
  {
    system: "github-actions",
    when: (env) => env.GITHUB_ACTIONS === "true",
    fields: {
      job: "GITHUB_JOB",
      run: "GITHUB_RUN_ID",
      repository: "GITHUB_REPOSITORY",
      actor: "GITHUB_ACTOR",
    },
  },
  {
    system: "gitlab",
    when: (env) => env.GITLAB_CI === "true",
    fields: {
      job: "CI_JOB_ID",
      run: "CI_PIPELINE_ID",
      repository: "CI_PROJECT_PATH",
      actor: "GITLAB_USER_LOGIN",
    },
  },
  {
    system: "circleci",
    when: (env) => env.CIRCLECI === "true",
    fields: {
      job: "CIRCLE_JOB",
      run: "CIRCLE_BUILD_NUM",
      repository: "CIRCLE_PROJECT_REPONAME",
      actor: "CIRCLE_USERNAME",
    },
  },
  {
    system: "buildkite",
    when: (env) => env.BUILDKITE === "true",
    fields: {
      job: "BUILDKITE_JOB_ID",
      run: "BUILDKITE_BUILD_NUMBER",
      repository: "BUILDKITE_PIPELINE_SLUG",
      actor: "BUILDKITE_BUILD_CREATOR",
    },
  },
  {
    system: "jenkins",
    when: (env) => env.JENKINS_URL !== undefined,
    fields: { job: "JOB_NAME", run: "BUILD_NUMBER", repository: undefined, actor: undefined },
  },
];

function ciIdentity(env: Readonly<Record<string, string | undefined>>): AuditActor["ci"] {
  const found = CI_SYSTEMS.find((ci) => ci.when(env));
  if (found === undefined) return env.CI === "true" ? { system: "unknown" } : undefined;
  const values = Object.entries(found.fields).flatMap(([field, variable]) => {
    const value = variable === undefined ? undefined : env[variable];
    return value === undefined || value === "" ? [] : [[field, value] as const];
  });
  return { system: found.system, ...Object.fromEntries(values) };
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
