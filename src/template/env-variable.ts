/**
 * The variable a generated `secrets.ctmpl` reads the environment's name from
 * (`(env "ENV")` where a reference says `{env}`), as vault-agent deployments
 * set it. `render -e NAME` supplies it, so the template reads the paths of the
 * environment whose credentials render it.
 */
export const TEMPLATE_ENV_VARIABLE = "ENV";
