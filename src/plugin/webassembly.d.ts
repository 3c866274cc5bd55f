// The slice of the WebAssembly JS API the plugin host uses. The project compiles with lib ES2023 and
// no DOM lib, and @types/node 20 does not declare this global.
declare namespace WebAssembly {
  class Module {
    private constructor()
  }
  class Memory {
    private constructor()
    readonly buffer: ArrayBuffer
  }
  class Table {
    private constructor()
    readonly length: number
  }
  class Instance {
    private constructor()
    readonly exports: Record<string, unknown>
  }
  class RuntimeError extends Error {}
  type Imports = Record<string, Record<string, unknown>>
  function compile(bytes: Uint8Array): Promise<Module>
  function instantiate(module: Module, imports?: Imports): Promise<Instance>
}
