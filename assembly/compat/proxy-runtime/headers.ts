// proxy-runtime's header API (`stream_context.headers.request.add(...)`) over our HeaderMap. Pairs are
// bytes (ArrayBuffer) as in proxy-runtime; failures come back as WasmResultValues instead of traps.
import {
  HeaderMap,
  httpCallResponseHeaders,
  httpCallResponseTrailers,
  requestHeaders,
  requestTrailers,
  responseHeaders,
  responseTrailers,
} from "../../headers";
import { HeaderPair as SdkHeaderPair } from "../../pairs";
import { WasmResultValues } from "./enums";

export class HeaderPair {
  constructor(public key: ArrayBuffer, public value: ArrayBuffer) {}

  toString(): string {
    return String.UTF8.decode(this.key) + ":" + String.UTF8.decode(this.value);
  }
}

export type Headers = Array<HeaderPair>;

/** Decodes the ABI's pairs format (docs/abi.md §1.6); anything malformed gives no pairs, like the host. */
export function headersFromWire(wire: ArrayBuffer | null): Headers {
  const headers = new Array<HeaderPair>();
  if (wire === null || wire.byteLength < 4) return headers;
  const base = changetype<usize>(wire);
  const end = <usize>wire.byteLength;
  const count = <usize>load<u32>(base);
  if (count > (end - 4) >> 3) return headers;
  let data: usize = 4 + (count << 3);
  for (let i: usize = 0; i < count; i++) {
    const keyLength = <usize>load<u32>(base + 4 + (i << 3));
    const valueLength = <usize>load<u32>(base + 8 + (i << 3));
    if (keyLength >= end - data) return new Array<HeaderPair>();
    const valueAt = data + keyLength + 1;
    if (valueLength >= end - valueAt) return new Array<HeaderPair>();
    headers.push(new HeaderPair(wire.slice(<i32>data, <i32>(data + keyLength)), wire.slice(<i32>valueAt, <i32>(valueAt + valueLength))));
    data = valueAt + valueLength + 1;
  }
  return headers;
}

/** Encodes `headers` in the ABI's pairs format. */
export function headersToWire(headers: Headers): ArrayBuffer {
  let size = 4;
  for (let i = 0; i < headers.length; i++) size += 10 + headers[i].key.byteLength + headers[i].value.byteLength;
  const wire = new ArrayBuffer(size);
  const base = changetype<usize>(wire);
  store<u32>(base, headers.length);
  let data = base + 4 + (<usize>headers.length << 3);
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i];
    store<u32>(base + 4 + (<usize>i << 3), pair.key.byteLength);
    store<u32>(base + 8 + (<usize>i << 3), pair.value.byteLength);
    memory.copy(data, changetype<usize>(pair.key), pair.key.byteLength);
    data += pair.key.byteLength + 1; // the NUL is already there: new ArrayBuffers are zeroed
    memory.copy(data, changetype<usize>(pair.value), pair.value.byteLength);
    data += pair.value.byteLength + 1;
  }
  return wire;
}

/** `headers` as our SDK's string pairs (names and values decoded as UTF-8). */
export function headersToPairs(headers: Headers): SdkHeaderPair[] {
  const pairs = new Array<SdkHeaderPair>(headers.length);
  for (let i = 0; i < headers.length; i++) {
    pairs[i] = new SdkHeaderPair(String.UTF8.decode(headers[i].key), String.UTF8.decode(headers[i].value));
  }
  return pairs;
}

/** One header map. Outside its callbacks Envoy refuses access: reads give "" / [], writes BadArgument. */
export class HeaderStreamManipulator {
  constructor(readonly map: HeaderMap) {}

  add(key: string, value: string): WasmResultValues {
    return <WasmResultValues><i32>this.map.add(key, value);
  }

  /** Sets the header to this one value (adds it when absent). */
  replace(key: string, value: string): WasmResultValues {
    return <WasmResultValues><i32>this.map.replace(key, value);
  }

  /** The first value, or "" when absent (as in proxy-runtime; lastStatus() says NotFound). */
  get(key: string): string {
    const value = this.map.get(key);
    return value !== null ? value : "";
  }

  remove(key: string): WasmResultValues {
    return <WasmResultValues><i32>this.map.remove(key);
  }

  get_headers(): Headers {
    return headersFromWire(this.map.getPairsBytes());
  }

  set_headers(headers: Headers): WasmResultValues {
    return <WasmResultValues><i32>this.map.setPairsBytes(headersToWire(headers));
  }
}

export class HeaderMapManipulator {
  constructor(
    public request: HeaderStreamManipulator,
    public response: HeaderStreamManipulator,
    public http_callback: HeaderStreamManipulator,
  ) {}
}

/** The current stream's headers and trailers (always the context the host is calling). */
export class StreamContext {
  constructor(public headers: HeaderMapManipulator, public trailers: HeaderMapManipulator) {}
}

// @ts-ignore: decorator
@lazy export const stream_context = new StreamContext(
  new HeaderMapManipulator(
    new HeaderStreamManipulator(requestHeaders),
    new HeaderStreamManipulator(responseHeaders),
    new HeaderStreamManipulator(httpCallResponseHeaders),
  ),
  new HeaderMapManipulator(
    new HeaderStreamManipulator(requestTrailers),
    new HeaderStreamManipulator(responseTrailers),
    new HeaderStreamManipulator(httpCallResponseTrailers),
  ),
);
