// A per-run cap on the resources a plugin holds (descriptors, directory streams, input streams,
// pollables). Each is a host object that lives until the guest drops its handle (jco then calls
// Symbol.dispose); a plugin that never drops them would otherwise grow the worker without bound. No
// file descriptor is held across calls (reads and listings open and close within the call), so the
// cap protects memory, not the process's descriptor table.

export const MAX_OPEN_HANDLES = 10_000

/** Trap (the guest's call has no error result to carry it): too many handles open. */
export class HandleLimitError extends Error {
  override name = 'HandleLimitError'
}

let open = 0

/**
 * Counts one new resource. Over the cap: throws `errorCode` (a WASI error the guest receives) when the
 * call can return one, else HandleLimitError. Returns the release function (safe to call twice).
 */
export function takeHandle(errorCode?: string): () => void {
  if (open >= MAX_OPEN_HANDLES) {
    if (errorCode !== undefined) throw errorCode
    throw new HandleLimitError(
      `the plugin holds ${MAX_OPEN_HANDLES} open handles (descriptors, directory streams, streams, pollables), the most a run may hold`,
    )
  }
  open++
  let released = false
  return () => {
    if (released) return
    released = true
    open--
  }
}

export function openHandles(): number {
  return open
}
