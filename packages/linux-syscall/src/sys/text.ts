/** UTF-8 codecs the handlers share: one instance each, not one per call. */
export const utf8Encoder = new TextEncoder();
export const utf8Decoder = new TextDecoder();
