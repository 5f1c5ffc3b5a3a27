"""A staff member's two-factor state, for the staff pages an administrator reads."""

from django import template

from hamaynk.twofactor import devices, policy

register = template.Library()


@register.simple_tag
def two_factor_state(member):
    return {
        "set_up": devices.has_device(member),
        "required": policy.required_for(member),
        "backup_codes_left": devices.remaining_backup_codes(member),
    }
