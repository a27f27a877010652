
/* A{{P}} ({{IN}}) -> A{{L}} ({{OUT}}), unit by unit: a dot product of a row of W{{L}} with x, in one
 * register. Each sum is b[j] + W[j][0] x[0] + W[j][1] x[1] + ... added in that order (C's + groups
 * left to right), as the training program adds it: no reassociation, no -ffast-math. {{U}} inputs
 * per step. */
static void {{NAME}}_layer{{L}}(const float *restrict x, float *restrict a)
{
    for (int j = 0; j < {{OUT}}; j++) {
        const float *w = {{NAME}}_w{{L}}[j];
        float z = {{NAME}}_b{{L}}[j];
        for (int i = 0; i < {{IN}}; i += {{U}}) /* inputs i .. i + {{U}} */
            z = z + {{TERMS}};
        a[j] = z;
    }
    {{ACTIVATE}}
}
