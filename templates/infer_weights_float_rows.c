
/* ---- {{BANNER}}
 * Z{{L}} = W{{L}}.A{{P}} + b{{L}}, A{{L}} = {{ACT}}(Z{{L}})      W{{L}} ({{OUT}}, {{IN}}), b{{L}} ({{OUT}})
 * from layers.{{P}}.weight and layers.{{P}}.bias.
 * W{{L}} is stored as the weights file has it, row by row: w{{L}}[j] = W{{L}}[j], the weights of unit j,
 * read front to back once per sample. */
static const float {{NAME}}_w{{L}}[{{OUT}}][{{IN}}] = {
{{WEIGHTS}}
};
static const float {{NAME}}_b{{L}}[{{OUT}}] = {
{{BIAS}}
};
