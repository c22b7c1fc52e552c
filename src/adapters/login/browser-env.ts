import { CREDENTIALS_IN_URL } from "../../core/redact.js";

/**
 * The variables the login host and Chromium keep from this process's environment:
 * what finding and running a browser needs (the path, the home and temporary folders, the
 * locale and time zone, a display, fonts, certificates, a proxy), nothing else. Kept to a
 * list, not filtered by what the configuration names as secret, so that the host can be
 * started before the configuration is read, and so that no secret of any name (an accounts
 * file's `<field>_env` variable, a setting added later) can reach it.
 */
const HOST_VARIABLES = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "TMP",
  "TEMP",
  "DISPLAY",
  "WAYLAND_DISPLAY",
  "DBUS_SESSION_BUS_ADDRESS",
  "LD_LIBRARY_PATH",
  "CHROMIUM_FLAGS",
  "NODE_EXTRA_CA_CERTS",
  "NODE_COMPILE_CACHE",
  "NODE_DISABLE_COMPILE_CACHE",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
]);
const HOST_PREFIXES = ["LC_", "XDG_", "FONTCONFIG_", "PLAYWRIGHT_"];

/** The login host's and Chromium's environment: the listed variables of `env`, none with a password in it. */
export function browserEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || CREDENTIALS_IN_URL.test(value)) continue;
    if (HOST_VARIABLES.has(name) || HOST_PREFIXES.some((p) => name.startsWith(p)))
      kept[name] = value;
  }
  return kept;
}
