// The YAML parser for --help only (loaded by help.ts on demand; a static import gives the bundle
// the right CommonJS interop, which a dynamic `import('yaml')` of the bundled package does not).
export { parse as parseYaml } from 'yaml';
