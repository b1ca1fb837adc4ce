/** The version of this package, sent in the User-Agent and as `sdk_ver`. */
export const VERSION = "0.1.0";
