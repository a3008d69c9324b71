// No native string extractor: cbor-x falls back to its JavaScript decoder.
module.exports = null;
