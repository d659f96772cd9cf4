/* A root task linked at 512 MiB, beyond the test machine's RAM: the kernel
 * must refuse to load it (suite "badaddr"), not copy it anywhere. */
int main(void)
{
    return 0;
}
