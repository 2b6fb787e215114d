/** Exit codes (PRODUCT.md section 3): 0 ok/healthy, 1 error, 2 unhealthy or insufficient data. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_UNHEALTHY = 2;
export type ExitCode = typeof EXIT_OK | typeof EXIT_ERROR | typeof EXIT_UNHEALTHY;
