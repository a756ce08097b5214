export * from './model.js';
export * from './compare.js';
export * from './from-metadata.js';
export * from './from-directory.js';
//# sourceMappingURL=index.js.map