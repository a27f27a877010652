
/* ---- {{BANNER}}
 * Z{{L}} = W{{L}}.A{{P}} + b{{L}}, A{{L}} = {{ACT}}(Z{{L}})      W{{L}} ({{OUT}}, {{IN}}), b{{L}} ({{OUT}})
 * from layers.{{P}}.weight and layers.{{P}}.bias.
 * W{{L}} is stored transposed, in panels of {{PW}} units: w{{L}}[p][i] = W{{L}}[{{PW}}p .. {{PW}}p + {{PW}})[i], the
 * weights of input i for {{PW}} units side by side, so a panel is read front to back once.{{TAIL_DOC}} */
static const float {{NAME}}_w{{L}}[{{PANELS}}][{{IN}}][{{PW}}] = {
{{WEIGHTS}}
};{{TAIL_WEIGHTS}}
static const float {{NAME}}_b{{L}}[{{OUT}}] = {
{{BIAS}}
};
