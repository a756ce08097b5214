export {};
//# sourceMappingURL=chunk-tables.js.map