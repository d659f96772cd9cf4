/* Counter-overflow NMIs for the profiler (perfmon.h). */
#include "perfmon.h"
#include "cpu.h"
#include "apic.h"
#include "format.h"
#include "../../console.h"

#define MSR_PMC0            0xc1
#define MSR_PERFEVTSEL0     0x186
#define MSR_PERF_GLOBAL_STATUS   0x38e
#define MSR_PERF_GLOBAL_CTRL     0x38f
#define MSR_PERF_GLOBAL_OVF_CTRL 0x390
#define EVT_UNHALTED_CYCLES 0x3c        /* architectural event 0, umask 0 */
#define EVTSEL_USR          (1u << 16)
#define EVTSEL_OS           (1u << 17)
#define EVTSEL_INT          (1u << 20)
#define EVTSEL_EN           (1u << 22)
#define LVT_NMI             (4u << 8)
#define LVT_MASKED          (1u << 16)

static unsigned version, counters, width;
static uint32_t reload;
static bool running;
static char text[48];

static bool probe(void)
{
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    if (a < 0xa)
        return false;
    cpuid(0xa, &a, &b, &c, &d);
    version = a & 0xff;
    counters = (a >> 8) & 0xff;
    width = (a >> 16) & 0xff;
    /* EBX bit 0 set: the unhalted-cycles event is NOT available. */
    return version >= 1 && counters >= 1 && width >= 32 && !(b & 1);
}

const char *perfmon_describe(void)
{
    if (!probe())
        return "none(no-cpuid-leaf-0xa)";
    ksnprintf(text, sizeof text, "v%u-%ux%u-bits", version, counters, width);
    return text;
}

void perfmon_report(void)
{
    if (probe())
        kprintf("prof: architectural performance counters v%u, %u x %u bits: the profiler "
                "samples by counter-overflow NMI\n", version, counters, width);
    else
        kprintf("prof: no architectural performance counters (CPUID leaf 0xA absent or "
                "without the cycles event): the profiler samples from the timer interrupt\n");
}

static void arm(void)
{
    wrmsr(MSR_PMC0, (uint64_t)(uint32_t)-(int32_t)reload);     /* sign-extended by the CPU */
    if (version >= 2)
        wrmsr(MSR_PERF_GLOBAL_OVF_CTRL, 1);
    lapic_set_lvt_perf(LVT_NMI);        /* the LVT masks itself on delivery */
}

bool perfmon_nmi_start(uint32_t cycles)
{
    if (!probe() || !lapic_enabled() || cycles < 1000)
        return false;
    reload = cycles;
    wrmsr(MSR_PERFEVTSEL0, 0);
    arm();
    if (version >= 2)
        wrmsr(MSR_PERF_GLOBAL_CTRL, rdmsr(MSR_PERF_GLOBAL_CTRL) | 1);
    wrmsr(MSR_PERFEVTSEL0, EVT_UNHALTED_CYCLES | EVTSEL_USR | EVTSEL_OS |
                           EVTSEL_INT | EVTSEL_EN);
    running = true;
    return true;
}

void perfmon_nmi_stop(void)
{
    if (!running)
        return;
    wrmsr(MSR_PERFEVTSEL0, 0);
    lapic_set_lvt_perf(LVT_NMI | LVT_MASKED);
    running = false;
}

bool perfmon_nmi_ack(void)
{
    if (!running)
        return false;
    bool overflowed = version >= 2 ? (rdmsr(MSR_PERF_GLOBAL_STATUS) & 1)
                                   : (uint32_t)rdmsr(MSR_PMC0) < reload;
    if (!overflowed)
        return false;
    arm();
    return true;
}
