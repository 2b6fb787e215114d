import{fileURLToPath}from"node:url";import{dirname}from"node:path";var g=globalThis;g.__filename??=fileURLToPath(import.meta.url);g.__dirname??=dirname(g.__filename);
