// A hashing worker that cannot start, for test/hash/worker-pool.test.ts: it fails while loading,
// before it says it is ready (as a worker whose native binding is missing would). Never used by
// the engine.
throw new Error('this worker cannot load');
