export {};
//# sourceMappingURL=blob-reader.js.map