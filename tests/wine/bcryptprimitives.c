/* A stand-in for Windows' bcryptprimitives.dll, for the Wine prefix of the tests only (never
 * shipped). Rust's standard library (since 1.78) takes its randomness from ProcessPrng in
 * that DLL, which every supported Windows has and Debian 12's Wine 8.0 lacks. This one
 * fills the buffer from RtlGenRandom (advapi32's SystemFunction036), as Wine's own
 * BCryptGenRandom does. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
