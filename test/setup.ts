import fc from 'fast-check';

// Property and fuzz tests run thousands of cases with one fixed seed, so a CI run is reproducible
// and a failure names its seed. PAAS_FUZZ_RANDOM=1 explores new seeds (do it when changing
// validation or redaction); PAAS_FUZZ_SEED=<n> replays one.
if (process.env.PAAS_FUZZ_RANDOM !== '1') {
  fc.configureGlobal({ seed: Number(process.env.PAAS_FUZZ_SEED ?? 20261123) });
}
