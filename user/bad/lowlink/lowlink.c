/* A root task linked at 0x1000, on the page the kernel keeps for the SMP
 * trampoline: the kernel must refuse it and say why (suite "lowlink"). */
int main(void)
{
    return 0;
}
