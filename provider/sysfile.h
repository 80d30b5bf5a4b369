/* SPDX-License-Identifier: Apache-2.0 */
/* The file operations hostpin.so makes when it starts (stub.c): open the
 * core, learn which file it is, move or close a descriptor.
 *
 * Every function hostpin.so imports costs every program that reads
 * openssl.cnf a symbol lookup of about 900 instructions (stub.h), whether
 * it is called or not; a system call made in place costs about ten.  On
 * x86-64 and AArch64, where the kernel's struct stat is the C library's,
 * the calls are made in place; elsewhere libc's functions are imported. */
#ifndef HOSTPIN_SYSFILE_H
#define HOSTPIN_SYSFILE_H

#include <fcntl.h>
#include <sys/stat.h>

#if defined(__x86_64__) || defined(__aarch64__)
#include <sys/syscall.h>

/* A system call with up to four arguments; negative: -errno. */
static inline long hp_sys4(long n, long a, long b, long c, long d)
{
#if defined(__x86_64__)
    register long r10 __asm__("r10") = d;
    long r;

    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return r;
#else
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;

    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3)
                     : "memory", "cc");
    return x0;
#endif
}

static inline int hp_file_open(const char *path)
{
    return (int)hp_sys4(SYS_openat, AT_FDCWD, (long)path,
                        O_RDONLY | O_CLOEXEC, 0);
}

static inline int hp_file_dup(int fd, int min)
{
    return (int)hp_sys4(SYS_fcntl, fd, F_DUPFD_CLOEXEC, min, 0);
}

static inline void hp_file_close(int fd)
{
    hp_sys4(SYS_close, fd, 0, 0, 0);
}

static inline int hp_file_stat(int fd, struct stat *st)
{
    return (int)hp_sys4(SYS_fstat, fd, (long)st, 0, 0);
}

#else
#include <unistd.h>

static inline int hp_file_open(const char *path)
{
    return open(path, O_RDONLY | O_CLOEXEC);
}

static inline int hp_file_dup(int fd, int min)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, min);
}

static inline void hp_file_close(int fd)
{
    close(fd);
}

static inline int hp_file_stat(int fd, struct stat *st)
{
    return fstat(fd, st);
}
#endif

#endif
