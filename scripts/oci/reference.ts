/**
 * Registry references: `host[:port]/repository[:tag][@digest]` (an `oci://` or `docker://` prefix is
 * accepted, as in Istio's WasmPlugin URLs). The host is required: a name without one is refused rather
 * than silently sent to Docker Hub. `docker.io/x` is normalised to `registry-1.docker.io/library/x`.
 */
import { isDigest } from "./digest.ts";
import { invalidInput } from "./errors.ts";
import { printable } from "./secrets.ts";

export interface Reference {
  /** The registry as typed (lower-case host, optional port): the key for credentials and messages. */
  registry: string;
  /** The host[:port] the API is served from (differs only for Docker Hub). */
  endpoint: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const NAME_COMPONENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";
const NAME_PATTERN = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const HOST_PATTERN = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?$/;
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

export const REFERENCE_SYNTAX = "host[:port]/repository[:tag|@digest]";

function looksLikeHost(text: string): boolean {
  return text.includes(".") || text.includes(":") || text === "localhost" || text.startsWith("[");
}

/** Parses a reference or throws an OciError (kind `invalid-input`) naming what is wrong. */
export function parseReference(input: string): Reference {
  const bad = (why: string) => invalidInput(`malformed reference "${printable(input)}": ${why} (expected ${REFERENCE_SYNTAX})`);
  let text = input.trim();
  for (const prefix of ["oci://", "docker://"]) {
    if (text.startsWith(prefix)) text = text.slice(prefix.length);
  }
  const slash = text.indexOf("/");
  if (slash === 0) throw bad("no registry host");
  if (slash < 0) throw bad(looksLikeHost(text) && HOST_PATTERN.test(text) ? "no repository" : "no registry host");
  const host = text.slice(0, slash);
  let rest = text.slice(slash + 1);
  if (!looksLikeHost(host) || !HOST_PATTERN.test(host)) throw bad(`"${printable(host)}" is not a registry host`);
  const port = /:([0-9]+)$/.exec(host);
  if (port && (Number(port[1]) < 1 || Number(port[1]) > 65535)) throw bad(`port ${port[1]} out of range`);

  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw bad(`"${printable(digest)}" is not a sha256/sha512 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_PATTERN.test(tag)) throw bad(`"${printable(tag)}" is not a valid tag`);
  }
  if (rest === "") throw bad("no repository");
  if (!NAME_PATTERN.test(rest)) throw bad(`"${printable(rest)}" is not a valid repository name (lower-case, digits, . _ - /)`);
  if (rest.length > 255) throw bad("repository name longer than 255 characters");

  const registry = host.toLowerCase();
  let endpoint = registry;
  let repository = rest;
  if (DOCKER_HUB_ALIASES.has(registry)) {
    endpoint = "registry-1.docker.io";
    if (!repository.includes("/")) repository = `library/${repository}`;
  }
  const reference: Reference = { registry, endpoint, repository };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/** What to ask the registry for: the digest if there is one, else the tag (default `latest`). */
export function manifestTarget(reference: Reference): string {
  return reference.digest ?? reference.tag ?? "latest";
}

/** `registry/repository[:tag][@digest]`, with the default tag made explicit when there is no digest. */
export function formatReference(reference: Reference): string {
  let out = `${reference.registry}/${reference.repository}`;
  if (reference.tag !== undefined || reference.digest === undefined) out += `:${reference.tag ?? "latest"}`;
  if (reference.digest !== undefined) out += `@${reference.digest}`;
  return out;
}

/** Hosts that default to plain HTTP: `localhost` and 127.0.0.0/8 (and ::1). */
export function isLoopbackRegistry(registry: string): boolean {
  return isLoopbackHost(registry.startsWith("[") ? registry.slice(0, registry.indexOf("]") + 1) : registry.replace(/:[0-9]+$/, ""));
}

/** `localhost`, 127.0.0.0/8, `::1` (a host name without port; IPv6 with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host === "[::1]" || host === "::1") return true;
  const octets = host.split(".");
  return octets.length === 4 && octets[0] === "127" && octets.every((o) => /^[0-9]{1,3}$/.test(o) && Number(o) <= 255);
}

/**
 * The tag or digest to use inside an OCI layout directory: a bare tag or digest as is, the tag or
 * digest of a full reference otherwise, `latest` when empty.
 */
export function layoutTarget(input: string): string {
  if (input === "") return "latest";
  if (isDigest(input) || TAG_PATTERN.test(input)) return input;
  return manifestTarget(parseReference(input));
}
