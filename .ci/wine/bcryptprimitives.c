/*
 * A stand-in for Windows's bcryptprimitives.dll, for running the Windows
 * builds of the tests under Wine 8 (Debian 12), which lacks the DLL.
 *
 * Rust's standard library (1.78 and later) takes its random bytes (HashMap
 * keys, among others) from ProcessPrng in bcryptprimitives.dll, and a program
 * that imports a missing DLL does not start at all. This file exports
 * ProcessPrng and fills the buffer from RtlGenRandom (exported by advapi32 as
 * SystemFunction036), which Wine has. Built by .ci/windows-tests with mingw and
 * placed beside the test executables only: Windows looks for a DLL in the
 * executable's folder first. Real Windows has its own and never sees this one.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
