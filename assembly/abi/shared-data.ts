// Host calls for shared data: a key/value store shared by every VM with the same vm_id, with CAS tokens.

/** Writes the value (host-allocated) and its CAS token (u32); NotFound when the key is missing. */
// @ts-ignore: decorator
@external("env", "proxy_get_shared_data")
export declare function proxy_get_shared_data(keyPtr: usize, keySize: usize, returnValuePtr: usize, returnValueSize: usize, returnCas: usize): u32;

/** `cas` 0 writes unconditionally; otherwise it must equal the stored token (else CasMismatch). */
// @ts-ignore: decorator
@external("env", "proxy_set_shared_data")
export declare function proxy_set_shared_data(keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize, cas: u32): u32;
