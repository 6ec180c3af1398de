/*
 * A stand-in for Windows' bcryptprimitives.dll, for scripts/test-wine.mjs
 * only (never shipped). Rust's standard library seeds its hash maps with
 * ProcessPrng from that DLL, which Windows has had since 8 but Wine 8.0
 * (Debian 12) lacks, so no Rust binary for Windows loads there. This answers
 * from RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG) len;
    if (!SystemFunction036(data, n)) return FALSE;
    data += n;
    len -= n;
  }
  return TRUE;
}
