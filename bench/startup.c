/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark 3: start-up of programs that load openssl.cnf and never verify
 * a certificate, with hostpin (and a 100,000-host pins file) vs without. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static struct {
    const char *name;
    char *argv[8];
    long target; /* instructions added, 0: none */
} progs[] = {
    { "openssl version -a", { "openssl", "version", "-a", NULL }, 100000 },
    { "python3 ssl.create_default_context()",
      { "python3", "-c", "import ssl; ssl.create_default_context()", NULL },
      0 },
};

static double wall(char *const argv[], const char *cnf)
{
    double t0 = hpb_now();

    if (hpb_run(argv, cnf, NULL, 0) != 0)
        return -1;
    return (hpb_now() - t0) * 1e3;
}

int hpb_startup(const struct hpb_opts *o)
{
    char dir[1024], pins[1100], with[1100], without[1100], empty[1100];
    long nhosts = o->smoke ? 100 : 100000;
    size_t p;

    snprintf(dir, sizeof(dir), "%s/startup", o->work);
    snprintf(pins, sizeof(pins), "%s/pins.conf", dir);
    snprintf(with, sizeof(with), "%s/with.cnf", dir);
    snprintf(without, sizeof(without), "%s/without.cnf", dir);
    snprintf(empty, sizeof(empty), "%s/empty.cnf", dir);
    if (hpb_mkdir(dir) != 0 ||
        !hpb_write_pins(pins, "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                              "AAAAAAA=", nhosts - 1) ||
        !hpb_write_cnf(with, o->module, pins) ||
        !hpb_write_cnf(without, o->module, NULL) ||
        !hpb_write_cnf(empty, HPB_EMPTY_MODULE, pins)) {
        fprintf(stderr, "cannot set up %s\n", dir);
        return 1;
    }
    if (o->callgrind)
        hpb_header("start-up: instructions of the whole process "
                   "(callgrind)");
    else
        hpb_header("start-up: wall time of the whole process (median of "
                   "alternating runs)");
    progs[1].argv[0] = (char *)hpb_real_python();
    setenv("PYTHONHASHSEED", "0", 1); /* repeatable instruction counts */
    for (p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
        char name[128];
        double w[64], wo[64], e[64];
        int r, rounds = o->callgrind ? 1 : (o->smoke ? 1 : 4 * o->rounds);

        snprintf(name, sizeof(name), "%s, %ld hosts", progs[p].name,
                 nhosts);
        if (o->only != NULL && strstr(name, o->only) == NULL)
            continue;
        for (r = 0; r < rounds && r < 64; r++) {
            if (o->callgrind) {
                wo[r] = (double)hpb_callgrind(progs[p].argv, without);
                w[r] = (double)hpb_callgrind(progs[p].argv, with);
                e[r] = (double)hpb_callgrind(progs[p].argv, empty);
            } else {
                wo[r] = wall(progs[p].argv, without);
                w[r] = wall(progs[p].argv, with);
                e[r] = wall(progs[p].argv, empty);
            }
            if (w[r] < 0 || wo[r] < 0 || e[r] < 0) {
                fprintf(stderr, "%s: a run failed (is it installed?)\n",
                        name);
                return 1;
            }
        }
        hpb_ratio(name, hpb_median(w, r), hpb_median(wo, r),
                  o->callgrind ? "instr" : "ms", 0);
        if (o->callgrind)
            printf("%-44s %8.0f  instructions added%s\n", "",
                   hpb_median(w, r) - hpb_median(wo, r),
                   progs[p].target && !o->smoke
                       ? (hpb_median(w, r) - hpb_median(wo, r) <=
                                  (double)progs[p].target
                              ? " (target <= 100000: met)"
                              : " (target <= 100000: MISSED)")
                       : "");
        /* The same configuration with a module that does nothing. */
        printf("%-44s %8.*f  %s added by a provider that does nothing "
               "(OpenSSL's share)\n", "", o->callgrind ? 0 : 2,
               hpb_median(e, r) - hpb_median(wo, r),
               o->callgrind ? "instructions" : "ms");
    }
    return 0;
}
