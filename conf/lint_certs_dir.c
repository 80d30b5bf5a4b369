/* SPDX-License-Identifier: Apache-2.0 */
/* Lint of certs_dir: say when the folder adds pins to a `hosts` entry (the
 * host gets the union, which a reader of the entry alone would not
 * expect), and name the files of the folder that pin nothing because of
 * their name (example.com.der, example.com.cert): the loader leaves them
 * alone, so their host may be less pinned than the administrator thinks. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "certs_int.h"
#include "hostpin_conf.h"
#include "lint_int.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s != NULL ? s + 1 : path;
}

static void merged(struct linter *l, const struct hp_pinset_st *ps)
{
    size_t i, k;

    for (i = 0; i < ps->nrules; i++) {
        const struct hp_rule_st *r = &ps->rules[i];
        const struct hp_certs_st *c = r->certs;
        char files[512];
        size_t pos = 0;

        /* Pins written beyond the folder's: the host has an entry too. */
        if (c == NULL || c->ndir == 0 || r->npins_written <= c->ndir)
            continue;
        files[0] = '\0';
        for (k = c->n - c->ndir; k < c->n && pos < sizeof(files); k++) {
            int n = snprintf(files + pos, sizeof(files) - pos, "%s%s",
                             pos > 0 ? ", " : "", base_name(c->v[k].file));

            if (n > 0)
                pos += (size_t)n;
        }
        hp_lint_add(l, HP_LINT_MERGED, r->file, r->line, r->host,
                    "host \"%s\" is also in certs_dir (%s): the keys of "
                    "those certificates are pins of this entry too; keep "
                    "the host in one place, or mind both when rotating",
                    r->host, files);
    }
}

void hp_lint_certs_dir(struct linter *l, const config_setting_t *s,
                       const struct hp_pinset_st *ps)
{
    const char *v, *file;
    char dir[1024], path[2048], **names = NULL;
    size_t n = 0, cap = 0, i;
    struct dirent *de;
    int line;
    DIR *d;

    merged(l, ps);
    if (s == NULL || (v = config_setting_get_string(s)) == NULL)
        return;
    file = config_setting_source_file(s);
    if (file == NULL)
        file = ps->file;
    line = (int)config_setting_source_line(s);
    if (v[0] != '/')
        snprintf(dir, sizeof(dir), "%s/%s", hp_lint_basedir(l), v);
    else
        snprintf(dir, sizeof(dir), "%s", v);
    if ((d = opendir(dir)) == NULL)
        return; /* the loader would have refused the file */
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        char **nn;

        if (de->d_name[0] == '.' || hp_certs_dir_ext(de->d_name) != NULL)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue; /* sub-folders (old certificates) are left alone */
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
                break;
            names = nn;
        }
        if ((names[n] = strdup(de->d_name)) == NULL)
            break;
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    for (i = 0; i < n; i++) {
        hp_lint_add(l, HP_LINT_IGNORED_FILE, file, line, NULL,
                    "certs_dir \"%s\": file \"%s\" pins nothing: only "
                    "HOST.cer, HOST.crt and HOST.pem files pin a host; "
                    "rename it, or move it out of the folder", dir,
                    names[i]);
        free(names[i]);
    }
    free(names);
}
