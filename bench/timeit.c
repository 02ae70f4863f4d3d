/* timeit.c — runs a command N times and reports the median and minimum wall
 * time, the median CPU time (user + system, from the kernel's accounting of
 * the finished process) and the peak resident set size, as one JSON object
 * (through jansson).
 * usage: timeit N CMD [ARG...]
 * Used by bench/run; timings are reported, never asserted. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: timeit N CMD [ARG...]\n", stderr);
        return 2;
    }
    int n = atoi(argv[1]);
    if (n < 1)
        n = 1;
    double *ms = calloc((size_t)n, sizeof *ms), *cpu = calloc((size_t)n, sizeof *cpu);
    long peak_kb = 0;
    int failures = 0;
    for (int i = 0; i < n; i++) {
        double t0 = now_ms();
        pid_t pid = fork();
        if (pid == 0) {
            if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
                _exit(127);
            execvp(argv[2], argv + 2);
            _exit(127);
        }
        int status = 0;
        struct rusage ru;
        wait4(pid, &status, 0, &ru);
        ms[i] = now_ms() - t0;
        cpu[i] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
        if (ru.ru_maxrss > peak_kb)
            peak_kb = ru.ru_maxrss;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures++;
    }
    qsort(ms, (size_t)n, sizeof *ms, by_value);
    qsort(cpu, (size_t)n, sizeof *cpu, by_value);
    json_t *o = json_object();
    json_object_set_new(o, "runs", json_integer(n));
    json_object_set_new(o, "median_ms", json_real(ms[n / 2]));
    json_object_set_new(o, "min_ms", json_real(ms[0]));
    json_object_set_new(o, "median_cpu_ms", json_real(cpu[n / 2]));
    json_object_set_new(o, "peak_rss_kb", json_integer(peak_kb));
    json_object_set_new(o, "failures", json_integer(failures));
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
    puts(text);
    free(text);
    json_decref(o);
    free(ms);
    free(cpu);
    return failures ? 1 : 0;
}
