// The executable's entry: main() with the process streams; the exit code via process.exitCode
// so pending output is flushed before Node exits (no top-level await: the bundle is CommonJS).
import { main } from './main.ts';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
